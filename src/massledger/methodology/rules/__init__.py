"""The BOLD MassID rules, one module per rule. Each module exposes ``RULE`` (a :class:`~massledger.
methodology.engine.Rule`); ``bold_recycling`` and ``bold_carbon`` list them in their documented order."""
