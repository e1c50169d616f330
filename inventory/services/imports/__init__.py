"""CSV imports of master data: one file checked row by row through the owning services, and
written in one transaction only when every row is good.

``files`` reads and checks a file as a whole (size, encoding, delimiter, header); ``rows``
runs a kind's rows through its services and names each bad row; ``jobs`` keeps an import's
progress and result in the cache, where the page and the API read them while the worker runs;
``products`` and ``rules`` are the kinds this app owns (locations are the warehouse app's).
"""
