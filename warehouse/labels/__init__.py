"""Printable labels: bins, products and received lots, as PDF (thermal rolls or A4 sheets) or
ZPL for Zebra printers.

``content`` decides what a label says and which barcode carries it; ``code128`` and ``gs1``
encode the barcodes (one encoding for both outputs, so the PDF and the ZPL scan the same);
``pdf`` and ``zpl`` draw them; ``selection`` finds what to label for a request.
"""
