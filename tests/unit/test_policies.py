"""Policy names (reuse, balancer) come from one registry, costsim.platforms.rules.

The engines index ``REUSE_POLICIES`` and ``BALANCERS``; the schema, its JSON schema and the
README's option table are held against the same tuples here, so a policy added to the registry
cannot be left out of any of them (issue 13: the names used to be copied by hand).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from costsim import InputError, scenario_from_text
from costsim.kinds import BareMetalOption, ServerlessOption, VpsOption
from costsim.platforms.rules import BALANCERS, REUSE_POLICIES

README = Path(__file__).resolve().parents[2] / "README.md"

SCENARIO = """\
name: t
horizon: 1h
traffic: {profile: constant, mean_rps: 1}
workload: {duration: {dist: fixed, value: 10ms}}
options:
  - {name: fn, kind: serverless, reuse: REUSE}
  - {name: vm, kind: vps, balancer: BALANCER}
  - {name: box, kind: bare_metal, count: 1, balancer: BALANCER}
"""


def _scenario(reuse: str = "mru", balancer: str = "shared_queue") -> str:
    return SCENARIO.replace("REUSE", reuse).replace("BALANCER", balancer)


@pytest.mark.parametrize("name", REUSE_POLICIES)
def test_every_registered_reuse_policy_is_accepted(name: str) -> None:
    """Each name of REUSE_POLICIES validates as a serverless option's reuse."""
    assert scenario_from_text(_scenario(reuse=name)).options[0].reuse == name  # type: ignore[union-attr]


@pytest.mark.parametrize("name", BALANCERS)
def test_every_registered_balancer_is_accepted(name: str) -> None:
    """Each name of BALANCERS validates on a VPS and on a bare-metal option."""
    s = scenario_from_text(_scenario(balancer=name))
    assert [o.balancer for o in s.options[1:]] == [name, name]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("reuse", "balancer", "line", "field", "hint"),
    [
        ("nwest", "shared_queue", 6, "options.0.reuse", "did you mean 'newest'?"),
        ("mru", "least_conections", 7, "options.1.balancer", "did you mean 'least_connections'?"),
    ],
)
def test_a_misspelt_policy_names_the_choices(
    reuse: str, balancer: str, line: int, field: str, hint: str
) -> None:
    """A wrong name is one located line with a did-you-mean and every registered name."""
    with pytest.raises(InputError) as info:
        scenario_from_text(_scenario(reuse, balancer), file="s.yaml")
    text = str(info.value)
    assert text.startswith(f"s.yaml:{line}: {field}: unknown ")
    assert hint in text
    names = REUSE_POLICIES if field.endswith("reuse") else BALANCERS
    assert f"(use one of {', '.join(names)})" in text


def test_a_policy_that_is_not_a_string_is_refused() -> None:
    """A list where a name belongs is refused with the same message, not a type error."""
    with pytest.raises(InputError, match=r"unknown balancer \[1\]"):
        scenario_from_text(_scenario(balancer="[1]"))


def test_json_schema_lists_the_registry() -> None:
    """Editors validating against the JSON schema see exactly the registered names."""
    assert ServerlessOption.model_json_schema()["properties"]["reuse"]["enum"] == list(
        REUSE_POLICIES
    )
    for model in (VpsOption, BareMetalOption):
        assert model.model_json_schema()["properties"]["balancer"]["enum"] == list(BALANCERS)


@pytest.mark.parametrize(("field", "names"), [("reuse", REUSE_POLICIES), ("balancer", BALANCERS)])
def test_readme_lists_the_registry(field: str, names: tuple[str, ...]) -> None:
    """The README's option table names every registered policy, in registry order."""
    found = re.findall(rf"`{field}` \(([a-z_ /]+)\)", README.read_text(encoding="utf-8"))
    assert found, f"README has no `{field}` (a / b / ...) entry"
    for listed in found:
        assert tuple(n.strip() for n in listed.split("/")) == tuple(names)
