"""WordPress's text rules, as they change what an importer sends to the REST API.

Each function mirrors one WordPress or WooCommerce function (named in its docstring) closely
enough that the sandbox returns what a real store returns: `A & B` comes back as `A &amp; B`,
`Café` gets the slug `cafe`, `"21.990"` stays `"21.990"`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import quote

_TAG = re.compile(r"<[^>]*>")
# Elements wp_kses_allowed_html('post') does not allow: kses drops their tags, keeping the text.
_UNSAFE_TAG = re.compile(
    r"</?(?:script|style|iframe|object|embed|applet|form|input|button|select|option|textarea|meta|link|base"
    r"|frame|frameset)\b[^>]*>",
    re.IGNORECASE,
)
_EVENT_ATTRIBUTE = re.compile(r"""\s+on[a-z]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);")
_OCTET = re.compile(r"%[a-fA-F0-9]{2}")
# remove_accents() letters that Unicode decomposition does not reduce to ASCII.
_LIGATURES = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "ø": "o",
        "Ø": "O",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "Þ": "TH",
        "ð": "d",
        "Ð": "D",
        "\u0131": "i",  # dotless i
    }
)
IMAGE_EXTENSIONS = frozenset(
    {"jpg", "jpeg", "jpe", "gif", "png", "bmp", "tif", "tiff", "ico", "webp", "avif"}
)


def remove_accents(text: str) -> str:
    """remove_accents(): `Crème Brûlée` -> `Creme Brulee`."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def sanitize_title(text: str) -> str:
    """sanitize_title() with sanitize_title_with_dashes(): the slug WordPress derives from a name.

    https://developer.wordpress.org/reference/functions/sanitize_title_with_dashes/
    """
    title = remove_accents(_TAG.sub("", text))
    # Keep escaped octets, drop other percent signs, then percent-encode what is left of UTF-8.
    title = _OCTET.sub(lambda match: "---" + match.group(0)[1:] + "---", title).replace("%", "")
    title = re.sub(r"---([a-fA-F0-9]{2})---", r"%\1", title)
    title = quote(title.lower(), safe="".join(chr(code) for code in range(128))).lower()
    # The 'save' context: dashes and non-breaking spaces become hyphens, typographic marks go.
    for octets in ("%c2%a0", "%e2%80%93", "%e2%80%94", "%e2%80%91", "%e2%80%92", "%e2%80%95"):
        title = title.replace(octets, "-")
    title = re.sub(
        r"%(?:c2%(?:a1|bf|ab|bb|a9|ae|b0|b4)|e2%80%(?:98|99|9a|9b|9c|9d|9e|9f|a2|a6|b9|ba)|e2%84%a2)",
        "",
        title,
    )
    title = title.replace("%c3%97", "x")
    title = re.sub(r"&.+?;", "", title).replace(".", "-")
    title = re.sub(r"[^%a-z0-9 _-]", "", title)
    title = re.sub(r"\s+", "-", title)
    return re.sub(r"-+", "-", title).strip("-")


def sanitize_text_field(text: str) -> str:
    """sanitize_text_field(): no tags, no line breaks, single spaces, no stray octets."""
    text = _TAG.sub("", text)
    text = re.sub(r"[\r\n\t ]+", " ", text)
    return _OCTET.sub("", text).strip()


def normalize_entities(text: str) -> str:
    """wp_kses_normalize_entities(): a bare `&` becomes `&amp;`, real entities stay as they are."""
    pieces = []
    position = 0
    for match in _ENTITY.finditer(text):
        pieces.append(text[position : match.start()].replace("&", "&amp;"))
        pieces.append(match.group(0))
        position = match.end()
    pieces.append(text[position:].replace("&", "&amp;"))
    return "".join(pieces)


def post_text(text: str) -> str:
    """wp_filter_post_kses(), which WooCommerce applies to names and descriptions whatever the
    key's user may do: tags outside the post allow-list (an <iframe> video, a <script>) and
    event attributes are dropped, and a bare `&` becomes `&amp;`."""
    return normalize_entities(_EVENT_ATTRIBUTE.sub("", _UNSAFE_TAG.sub("", text)))


def term_name(text: str) -> str:
    """The pre_term_name filters: sanitize_text_field, kses, then _wp_specialchars (no quotes).

    So a category "Shirts & Tops" is stored, and returned by the API, as "Shirts &amp; Tops".
    """
    return normalize_entities(sanitize_text_field(text)).replace("<", "&lt;").replace(">", "&gt;")


def sanitize_file_name(name: str) -> str:
    """sanitize_file_name(): what an uploaded image is saved as."""
    name = re.sub(r"[?\[\]/\\=<>:;,'\"&$#*()|~`!{}%+\u2019«»\u201d\u201c]", "", remove_accents(name))
    name = re.sub(r"[\r\n\t -]+", "-", name).strip(".-_")
    return name or "image"


def format_decimal(value: str) -> str:
    """wc_format_decimal() without rounding: keep digits, one dot (the last) and minus signs."""
    return re.sub(r"\.(?![^.]+$)|[^0-9.-]", "", sanitize_text_field(value))


def collation_key(text: str) -> str:
    """How MySQL's utf8mb4_unicode_ci compares strings: no case, no accents, no trailing spaces.

    WooCommerce compares SKUs and term names in SQL, so `ABC-1` and `abc-1 ` are the same SKU.
    """
    return remove_accents(text).casefold().rstrip(" ")


def wpautop(text: str) -> str:
    """A small wpautop(): blank-line paragraphs in <p>, single newlines as <br />."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        return ""
    blocks = re.compile(r"^<(p|div|ul|ol|h[1-6]|table|blockquote|pre|section|figure|hr|form)\b", re.I)
    paragraphs = []
    for chunk in re.split(r"\n\s*\n", text):
        chunk = chunk.strip()
        if blocks.match(chunk):
            paragraphs.append(chunk)
        elif chunk:
            paragraphs.append("<p>" + chunk.replace("\n", "<br />\n") + "</p>")
    return "\n".join(paragraphs) + "\n"


def wptexturize(text: str) -> str:
    """The common wptexturize() replacements, outside tags: curly quotes, dashes, ellipsis."""
    parts = re.split(r"(<[^>]*>)", text)
    for index in range(0, len(parts), 2):
        part = parts[index].replace("...", "&#8230;").replace(" -- ", " &#8212; ")
        part = part.replace("--", "&#8211;").replace(" - ", " &#8211; ")
        part = re.sub(r"(?<=\w)'(?=\w)", "&#8217;", part)
        part = re.sub(r'(^|[\s(\[])"', r"\1&#8220;", part)
        parts[index] = part.replace('"', "&#8221;")
    return "".join(parts)


def format_content(text: str) -> str:
    """wc_format_content(): the `woocommerce_short_description` filters (texturize, autop)."""
    return wpautop(wptexturize(text))


def decode(text: str) -> str:
    """The text a stored, entity-encoded value shows as (for comparisons and searches)."""
    return html.unescape(text)
