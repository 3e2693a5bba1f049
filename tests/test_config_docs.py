"""config/README.md documents every configuration key: it is generated from the schema."""

from pathlib import Path

from astronet.config.config_docs import render

README = Path(__file__).resolve().parents[1] / "config" / "README.md"


def test_config_readme_is_generated_from_schema():
    assert README.read_text() == render(), "regenerate: python -m astronet.config.config_docs > config/README.md"


def test_every_param_has_a_unit_or_is_dimensionless():
    from astronet.config.schema import load_schema

    params = load_schema()["properties"]["params"]["properties"]
    for name, spec in params.items():
        desc = spec.get("description", "")
        assert desc, f"params.{name} has no description"


def test_keys_marked_optional_may_be_left_out_and_required_ones_not():
    """config/README.md marks a key without a default `required` only if the configuration is
    refused without it: an experiment needs neither a description nor seeds."""
    import re

    import pytest

    from astronet.config.schema import ConfigError
    from astronet.config.validate import validate_config

    rows = dict(re.findall(r"^\| `([^`]+)` \|.*\| (required|optional) \|$", README.read_text(), flags=re.M))
    assert rows.get("<name>.description") == "optional" and rows.get("<name>.seeds") == "optional", rows
    for key, marked in rows.items():
        name = key.removeprefix("<name>.")
        experiment = {"description": "a quick run", "seeds": [1], "params": {"sim_time": 100.0}}
        experiment.pop(name, None)
        config = {"experiments": {"quick": experiment}, "targets": ["quick"]}
        if marked == "required":
            with pytest.raises(ConfigError, match=name):
                validate_config(config)
        else:
            assert len(validate_config(config)["quick"]) == 1, key
