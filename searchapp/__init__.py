"""searchapp: full-text news search with facets, for news whose names are romanized many ways.

The data flows file -> parsed article (``ingest``) -> analysed document (``names``, ``analysis``)
-> index (``schema``, ``indexer``) -> query and facets (``search``, ``urlstate``) -> page (``web``).
"""

__version__ = "0.1.0"
