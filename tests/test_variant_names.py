"""The kernel builds and the model's code variants use one list of names."""

from __future__ import annotations

import pytest

from lwtbench.errors import ParameterError
from lwtbench.kernel.variants import VARIANT_NAMES, get_variant
from lwtbench.model.variants import VARIANTS, variant
from lwtbench.testbeds.lab.kind import KERNELS
from lwtbench.variant_names import BUILT_VARIANTS, MODEL_ONLY_VARIANTS, MODEL_VARIANTS


def test_every_built_kernel_has_a_code_variant_of_the_same_name():
    assert VARIANT_NAMES == BUILT_VARIANTS == KERNELS
    for name in BUILT_VARIANTS:
        assert get_variant(name).name == name
        assert variant(name).name == name


def test_the_model_knows_exactly_the_shared_names():
    assert set(VARIANTS) == MODEL_VARIANTS
    assert not set(MODEL_ONLY_VARIANTS) & set(BUILT_VARIANTS)


def test_a_model_only_name_is_not_a_build():
    for name in MODEL_ONLY_VARIANTS:
        with pytest.raises(ParameterError):
            get_variant(name)
