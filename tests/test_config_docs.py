"""config/README.md documents every configuration key: it is generated from the schema."""

from pathlib import Path

from astronet.config_docs import render

README = Path(__file__).resolve().parents[1] / "config" / "README.md"


def test_config_readme_is_generated_from_schema():
    assert README.read_text() == render(), "regenerate: python -m astronet.config_docs > config/README.md"


def test_every_param_has_a_unit_or_is_dimensionless():
    from astronet.schema import load_schema

    params = load_schema()["properties"]["params"]["properties"]
    for name, spec in params.items():
        desc = spec.get("description", "")
        assert desc, f"params.{name} has no description"
