"""Magento's error answers: `{"message": template, "parameters": list | object, "errors": [...]}`.

Magento renders every exception the same way (`Webapi\\Rest\\Response::_renderMessages`): the
message is the *untranslated template* and `parameters` carries its arguments, positional (`%1`,
a list) or named (`%fieldName`, an object); clients substitute them. `maskException` maps the
exception class to the status: NoSuchEntity 404, Authorization/Authentication 401, other
LocalizedException 400, anything else a masked 500 "Internal Error ... Report ID: webapi-..."
(lib/internal/Magento/Framework/Webapi/ErrorProcessor.php;
https://developer.adobe.com/commerce/webapi/get-started/gs-web-api-response/).
"""

from __future__ import annotations

import time
from typing import Any

from sandbox.http import HttpError, Response, json_response

# Webapi\Controller\Rest\Router::match.
NO_ROUTE = "Request does not match any route."
# Webapi\Controller\Rest\RequestValidator::checkPermissions; parameters {"resources": ACL ids}.
NOT_AUTHORIZED = "The consumer isn't authorized to access %resources."
# Catalog\Model\ProductRepository::get.
PRODUCT_NOT_FOUND = "The product that was requested doesn't exist. Verify the product and try again."
# Framework\Exception\NoSuchEntityException::MESSAGE_SINGLE_FIELD (categories by id).
NO_SUCH_ENTITY = "No such entity with %fieldName = %fieldValue"
# Eav\Model\AttributeRepository::get.
ATTRIBUTE_NOT_FOUND = (
    'The attribute with a "%1" attributeCode doesn\'t exist. Verify the attribute and try again.'
)
# ConfigurableProduct\Model\OptionRepository::getProduct.
CONFIGURABLE_ONLY = 'This is implemented for the "%1" configurable product only.'
# Framework\Exception\InputException::REQUIRED_FIELD and the aggregate's default message; the
# exact bodies are asserted in AdminTokenServiceTest (tests/samples/magento/magento2_tests_transcribed).
REQUIRED = '"%fieldName" is required. Enter and try again.'
INPUT_EXCEPTIONS = "One or more input exceptions have occurred."
SIGN_IN_FAILED = (
    "The account sign-in was incorrect or your account is disabled temporarily. "
    "Please wait and try again later."
)
# Framework\Webapi\Rest\Request\Deserializer\Json (production mode) and Webapi\Rest\Request.
DECODING_ERROR = "Decoding error."
NO_CONTENT_TYPE = "Content-Type header is empty."
UNKNOWN_CONTENT_TYPE = "Server cannot understand Content-Type HTTP header media type {}"
# Eav\Model\Entity\Collection\AbstractCollection::_addAttributeJoin: a filter on a field that is
# not an attribute of the entity.
ATTRIBUTE_NAME_INVALID = 'The "%1" attribute name is invalid. Reset the name and try again.'
# Framework\Api\SortOrder::validateDirectionIsAscOrDesc.
SORT_DIRECTION = "The sort order has to be specified as %1 for ascending order or %2 for descending order."
# Framework\Reflection\TypeProcessor::processSimpleAndAnyType, wrapped per nesting level by
# ServiceInputProcessor::_createFromArray; the outermost becomes a 400 with the rendered text.
TYPE_MISMATCH = (
    'The "{value}" value\'s type is invalid. The "{type}" type was expected. Verify and try again.'
)
FIELD_PROCESSING = 'Error occurred during "{field}" processing. {details}'
INTERNAL_ERROR = "Internal Error. Details are available in Magento log file. Report ID: {}"


def magento_error(
    status: int,
    message: str,
    parameters: list[Any] | dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> Response:
    body: dict[str, Any] = {"message": message}
    if errors:
        body["errors"] = errors
    if parameters:
        body["parameters"] = parameters
    return json_response(body, status=status)


def fail(
    status: int,
    message: str,
    parameters: list[Any] | dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> HttpError:
    return HttpError(magento_error(status, message, parameters, errors))


def required(fields: list[str]) -> HttpError:
    """Magento's InputException for missing fields: one error is the message itself, two or more
    are listed under the aggregate message (AbstractAggregateException::addError)."""
    items = [{"message": REQUIRED, "parameters": {"fieldName": name}} for name in fields]
    if len(items) == 1:
        return fail(400, REQUIRED, items[0]["parameters"])
    return fail(400, INPUT_EXCEPTIONS, errors=items)


def report_id() -> str:
    """PHP's uniqid("webapi-"): 8 hex digits of seconds, 5 of microseconds."""
    now = time.time()
    return f"webapi-{int(now):08x}{int(now % 1 * 1_000_000):05x}"


def internal_error() -> Response:
    """What production mode answers for an exception it does not expect: the details go to the log."""
    return magento_error(500, INTERNAL_ERROR.format(report_id()))


def not_authorized(resource: str) -> HttpError:
    return fail(401, NOT_AUTHORIZED, {"resources": resource})
