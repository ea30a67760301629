"""What the data says: rates per point, drops, reallocations, paired rounds, the model's
predictions for the measured points, and the claims table; read from results only.

Must not import: ``lwtbench.kernel``, ``lwtbench.search``, ``lwtbench.scenario``,
``lwtbench.testbeds``, ``lwtbench.selfcheck``, ``lwtbench.runs``, ``lwtbench.figures``,
``lwtbench.cli``.
"""
