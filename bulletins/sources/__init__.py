"""Editors' real sources: Word files, web articles and feeds, and cutting long text to fit.

- `clean`    pure: page furniture removal and sentence splitting of written (not spoken) text
- `shorten`  pure: choose whole sentences to fit a reading-time target
- `docx`     Word documents → pieces (title, body), via python-docx
- `web`      web pages → one piece, via trafilatura; fetched through requests
- `feeds`    RSS/Atom subscriptions polled into drafts, via feedparser
- `store`    the edge to the queue: dedup, drafts, original text kept when shortened
- `commands` the CLI (`news fetch|poll|approve|shorten`, Word for `news import`)

Nothing is imported here: the CLI loads this package at start-up, the parsers only on use.
"""
