"""Each rule registry is the one source of its lever's allowed names (issue 15): a rule class registered at run time
is a valid config value, listed by ``plenary list`` and run by the engine, with no list edited by hand."""

import numpy as np
import pytest

from sim import config
from sim.config import ConfigError, Rules
from sim.engine import Negotiation
from sim.rules import ACCREDITATION, INFORMALS, SPEAKING
from sim.rules.accreditation import AccreditationProcedure

LEVERS = {"rules.accreditation.procedure": ACCREDITATION, "rules.speaking": SPEAKING, "rules.informals": INFORMALS}


def _rules(key: str, value: str) -> Rules:
    if key == "rules.accreditation.procedure":
        return Rules(accreditation={"procedure": value})
    return Rules(**{key.removeprefix("rules."): value})


@pytest.mark.parametrize("key", LEVERS)
def test_every_registered_name_is_allowed_and_nothing_else(key):
    from experiments.listing import levers

    names = LEVERS[key].names()
    assert config.rule_names(key) == names == levers()[key] and len(names) >= 2
    for name in names:
        _rules(key, name)                                    # every registered rule is a valid config value
    with pytest.raises(ConfigError) as err:
        _rules(key, names[0][:-1] + "x")                     # a misspelling gets the registered name back
    assert err.value.key == key and err.value.suggestion == names[0]
    assert err.value.allowed == " | ".join(names)


@pytest.fixture
def lottery():
    """An accreditation procedure registered at run time: ECOSOC organisations and every other one with an even
    index are admitted, whatever the states say."""

    class EvenLottery(AccreditationProcedure):
        name = "even_lottery"
        metadata = {"by_vote": False}

        def admit(self, ctx):
            even = np.arange(ctx.objections.shape[2]) % 2 == 0
            return np.broadcast_to(ctx.ecosoc | even, (ctx.objections.shape[0], ctx.objections.shape[2])).copy()

    ACCREDITATION.register(EvenLottery)
    yield EvenLottery
    del ACCREDITATION["even_lottery"]


def test_a_rule_registered_at_run_time_is_valid_listed_and_run(lottery, world, params):
    from experiments.listing import levers

    assert "even_lottery" in config.rule_names("rules.accreditation.procedure")
    assert "even_lottery" in levers()["rules.accreditation.procedure"]
    rules = Rules(accreditation={"procedure": "even_lottery"})
    neg = Negotiation(world, params, rules, 7, np.arange(3))
    expected = world.ecosoc | (np.arange(world.n_orgs) % 2 == 0)
    assert (neg.accredited == expected[None]).all()          # what the new rule admits, in every replicate
    neg.run()
    assert np.isfinite(neg.draft).all()


def test_an_unregistered_rule_is_refused_once_removed(lottery):
    del ACCREDITATION["even_lottery"]
    try:
        with pytest.raises(ConfigError, match="even_lottery"):
            Rules(accreditation={"procedure": "even_lottery"})
    finally:
        ACCREDITATION.register(lottery)                      # the fixture removes it again


def test_creating_an_unknown_rule_names_the_registered_ones():
    with pytest.raises(ConfigError) as err:
        INFORMALS.create("observer")
    assert err.value.key == "rules.informals" and err.value.suggestion == "observers"
    assert err.value.allowed == "excluded | observers | participants"
