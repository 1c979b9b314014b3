"""Routing rules: admins' policy as data, run by one short loop (`engine.evaluate`).

`facts` describe a new ticket's mail, `conditions/` are the named checks (one file each,
registered in `conditions/__init__.py`), `actions` validate what a rule may decide, `engine`
decides, `apply` acts through the ticket services, `transfer` moves rules to and from YAML/JSON."""
