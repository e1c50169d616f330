"""The warehouse app's REST API (registered on the router in wms/api/urls.py)."""
