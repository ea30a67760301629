"""lwtbench: the artifact of "Mitigating the Double-Reallocation Issue for IPv6 Lightweight
Tunnel Encapsulations in the Linux Kernel" (Iurman et al., 2025).

Layers, lowest first (a module imports only from layers above it in this list):
packets -> model -> scenario -> kernel -> testbeds / search -> results -> analysis.
"""

__version__ = "0.1.0"
