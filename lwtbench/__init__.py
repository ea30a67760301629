"""lwtbench: the artifact of "Mitigating the Double-Reallocation Issue for IPv6 Lightweight
Tunnel Encapsulations in the Linux Kernel" (Iurman et al., 2025).

Packages, lowest first: ``errors``, ``packets``, ``model``, ``kernel``, ``vm``, ``search``,
``scenario``, ``results``, ``testbeds``, ``selfcheck``, ``runs``, ``analysis``, ``figures``,
``cli``. Each imports only from packages before it, and its own docstring says which of those
it must not import either (tests/test_layers.py holds the code to both). A measurement flows
packets <- model, scenario <- testbeds <- runs <- cli; analysis and figures read results only.
"""

__version__ = "0.1.0"
