"""localorg: a local Salesforce stand-in org served over HTTPS on loopback.

It answers the same requests a real org answers (REST, SOQL, Bulk API 1.0 and 2.0, UI API
duplicates), in the same shapes, from a real SQLite store, and enforces duplicate rules as
Salesforce documents them. sfclean's own code never special-cases it.
"""

from __future__ import annotations
