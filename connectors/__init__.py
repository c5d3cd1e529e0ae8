"""Platform I/O: source connectors that yield canonical products, and the WooCommerce writer.

Knows nothing of jobs or the web (see design.md). Filled by the import-engine work.
"""
