"""Dashboards: the data of each panel built once, then shown as a page (charts and
tables), served by the API, exported to XLSX and PDF, and mailed in the digest."""
