"""The shipped record of the AHC negotiation: schema, honesty rules, loaders that reject corrupted copies, and the
stylised facts the sources themselves support (docs/RECORD.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sim import presets, record
from sim.config import ConfigError
from sim.record import RecordError


@pytest.fixture(scope="module")
def rec() -> list[dict]:
    return record.load_record()


@pytest.fixture(scope="module")
def facts() -> dict[str, dict]:
    return record.load_process()


def _pos(rec, provision, text):
    return next(r["position"] for r in rec if r["provision"] == provision and r["text"] == text)


# ------------------------------------------------------------------------------------------------ schema
def test_record_covers_every_model_provision_and_text_once(rec):
    keys = [i.key for i in presets.scenario("ahc_cybercrime").issues]
    assert tuple(keys) == record.PROVISIONS
    pairs = [(r["provision"], r["text"]) for r in rec]
    assert len(pairs) == len(set(pairs)) == len(record.PROVISIONS) * len(record.TEXTS)


def test_coded_values_are_on_the_scale_with_a_source_and_a_rule(rec):
    coded = [r for r in rec if r["status"] == "coded"]
    assert coded, "the record codes nothing"
    for r in coded:
        assert 0 <= r["position"] <= 100
        assert r["source_url"].startswith(("http://", "https://"))
        assert r["coding_rule"].startswith(("anchor ", "between anchors ")), r
        assert r["note"]


def test_values_sit_on_the_anchor_grid_the_codebook_defines(rec):
    """RECORD.md: anchors at 0/25/50/75/100, a half-step between two anchors, nothing finer."""
    for r in rec:
        if r["position"] is not None:
            assert r["position"] % 12.5 == 0, r
            between = r["coding_rule"].startswith("between")
            assert (r["position"] % 25 != 0) == between, r


def test_unknowns_have_no_position_and_say_why(rec):
    unknown = [r for r in rec if r["status"] == "unknown"]
    assert unknown
    assert all(r["position"] is None and r["note"] for r in unknown)


def test_the_concluding_session_draft_is_the_november_text(rec):
    """Codebook: the text on the table in January 2024 is the revised draft of end-November 2023."""
    for p in record.PROVISIONS:
        assert _pos(rec, p, "draft_2024_01") == _pos(rec, p, "revised_2023_11")


# ------------------------------------------------------------------------------------------------ loaders
def _corrupt(tmp_path: Path, name: str, edit) -> Path:
    src = Path(str(record.resources.files("sim") / "data" / name))
    with src.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows, header = edit(rows)
    out = tmp_path / name
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return out


def _set(index, **changes):
    def edit(rows):
        rows[index].update(changes)
        return rows, list(rows[0].keys())
    return edit


def test_loader_rejects_a_missing_column(tmp_path):
    path = _corrupt(tmp_path, "ahc_record.csv", lambda rows: (rows, [c for c in rows[0] if c != "source_url"]))
    with pytest.raises(RecordError, match=r"ahc_record.csv: missing column 'source_url'"):
        record.load_record(path)


def test_loader_rejects_a_value_of_140_naming_the_row(tmp_path):
    path = _corrupt(tmp_path, "ahc_record.csv", _set(0, position="140", status="coded"))
    with pytest.raises(RecordError, match=r"ahc_record.csv row 2: position 140 is out of range"):
        record.load_record(path)


def test_loader_rejects_a_bad_status_and_suggests_the_right_one(tmp_path):
    path = _corrupt(tmp_path, "ahc_record.csv", _set(4, status="coded?"))
    with pytest.raises(RecordError, match=r"row 6: status 'coded\?' is not allowed \(did you mean 'coded'\?\)"):
        record.load_record(path)


def test_loader_rejects_a_position_for_an_unknown_row(tmp_path):
    first_unknown = next(i for i, r in enumerate(record.load_record()) if r["status"] == "unknown")
    path = _corrupt(tmp_path, "ahc_record.csv", _set(first_unknown, position="50"))
    with pytest.raises(RecordError, match=rf"row {first_unknown + 2}: position '50' given for an unknown row"):
        record.load_record(path)


def test_loader_rejects_a_coded_value_without_a_source(tmp_path):
    path = _corrupt(tmp_path, "ahc_record.csv", _set(0, source_url=""))
    with pytest.raises(RecordError, match=r"row 2: coded value without a source URL"):
        record.load_record(path)


def test_loader_rejects_a_missing_pair(tmp_path):
    path = _corrupt(tmp_path, "ahc_record.csv", lambda rows: (rows[:-1], list(rows[0].keys())))
    with pytest.raises(RecordError, match=r"no row for \('follow_up', 'coalition_industry'\)"):
        record.load_record(path)


def test_record_error_is_a_config_error():
    assert issubclass(RecordError, ConfigError)


def test_process_loader_rejects_a_count_that_is_not_a_number(tmp_path):
    rows = list(record.load_process())
    index = rows.index("signatories_opening_day")
    path = _corrupt(tmp_path, "ahc_process.csv", _set(index, value="sixty-five"))
    with pytest.raises(RecordError, match=rf"ahc_process.csv row {index + 2}: value 'sixty-five' is not a count"):
        record.load_process(path)


def test_trajectory_names_a_misspelt_provision():
    with pytest.raises(ConfigError, match=r"did you mean 'scope'"):
        record.trajectory("scop")


# ------------------------------------------------------------------------------------------------ helpers
def test_trajectory_is_in_date_order_and_skips_unknowns(rec):
    traj = record.trajectory("scope", rec)
    dates = [d for _, d, _ in traj]
    assert dates == sorted(dates) and traj[0][0] == "russia_2021" and traj[-1][0] == "final_2024_08"
    assert all(t in record.DRAFTS for t, _, _ in traj)
    assert [t for t, _, _ in record.trajectory("realtime", rec)] == [
        r["text"] for r in rec if r["provision"] == "realtime" and r["text"] in record.DRAFTS and r["position"] is not None
    ]


def test_coalition_positions_hold_only_coded_asks(rec):
    asks = record.coalition_positions(rec)
    assert set(asks) == set(record.COALITIONS)
    for coalition, by_provision in asks.items():
        for provision, value in by_provision.items():
            assert value == _pos(rec, provision, coalition) is not None


# ------------------------------------------------------------------------------------------------ stylised facts
def test_final_scope_is_narrower_than_the_russian_draft_and_the_november_peak(rec):
    final = _pos(rec, "scope", "final_2024_08")
    assert final < _pos(rec, "scope", "russia_2021")
    assert final < _pos(rec, "scope", "revised_2023_11")


def test_the_text_ends_broad_with_thin_safeguards(rec):
    """Sources: safeguards deferred to domestic law; evidence sharing for any serious crime."""
    assert _pos(rec, "safeguards", "final_2024_08") > 50
    assert _pos(rec, "scope", "final_2024_08") > 50


def test_a_rights_clause_naming_rights_survived(rec, facts):
    """The deletion votes failed, so the final Art. 6 keeps a list of rights: the protective half of the scale."""
    assert facts["deletion_votes_outcome"]["value"] == "all_failed"
    assert _pos(rec, "hr_clause", "final_2024_08") < 50


def test_coalition_asks_lie_on_the_narrow_side_of_the_final_text(rec):
    asks = record.coalition_positions(rec)
    for coalition in ("coalition_rights_tech", "coalition_industry"):
        assert asks[coalition], coalition
        for provision, value in asks[coalition].items():
            assert value < _pos(rec, provision, "final_2024_08"), (coalition, provision)


# ------------------------------------------------------------------------------------------------ process
def test_process_facts_are_sourced_and_typed(facts):
    for name, f in facts.items():
        if f["status"] == "coded":
            assert f["source_url"].startswith(("http://", "https://")), name
            assert f["value"] is not None, name
        else:
            assert f["value"] is None and f["note"], name


def test_concluding_session_suspended_then_resumed_session_adopts(facts):
    concl, resumed = facts["session_concluding"], facts["session_reconvened"]
    assert concl["value"] == "suspended" and resumed["value"] == "approved_by_consensus"
    assert concl["end"] < resumed["start"] <= facts["ahc_approval"]["start"] <= resumed["end"]
    assert facts["deletion_votes_forced"]["value"] is True
    assert facts["ahc_approval"]["value"] == "consensus"


def test_sessions_are_in_order_and_do_not_overlap(facts):
    sessions = sorted((f["start"], f["end"]) for f in facts.values() if f["kind"] == "session")
    assert len(sessions) == 10
    for (s0, e0), (s1, _) in zip(sessions, sessions[1:], strict=False):
        assert s0 <= e0 < s1


def test_adoption_and_signing_follow_the_committee(facts):
    assert facts["ahc_approval"]["start"] < facts["unga_adoption"]["start"] < facts["signing_ceremony"]["start"]
    assert facts["unga_adoption"]["value"] == "adopted_without_vote"
    assert facts["signatories_opening_day"]["value"] <= facts["signatories_after_ceremony"]["value"]
    assert facts["final_offences"]["value"] < facts["russia_draft_offences"]["value"]


def test_vote_counts_not_in_the_sources_stay_unknown(facts):
    for name in ("deletion_votes_number", "deletion_vote_counts_each", "stakeholders_accredited"):
        assert facts[name]["status"] == "unknown" and facts[name]["value"] is None, name


def test_the_reported_deletion_vote_fails_under_any_majority_rule(facts):
    """The one vote with counts: 23 for deleting, 102 against; short of a simple majority, let alone two-thirds."""
    yes = facts["deletion_vote_reported_in_favour"]["value"]
    no = facts["deletion_vote_reported_against"]["value"]
    assert yes < (yes + no) / 2
    assert facts["deletion_vote_reported_abstain"]["value"] >= 0


def test_res_74_247_counts_match_the_shipped_states_table(facts):
    """Two independent sources (Xinhua; the Voeten roll call in states.csv) must agree on 79-60-33."""
    path = Path(str(record.resources.files("sim") / "data" / "states.csv"))
    with path.open(newline="", encoding="utf-8") as fh:
        votes = [r["res74_247_vote"] for r in csv.DictReader(fh)]
    assert (votes.count("yes"), votes.count("no"), votes.count("abstain")) == (
        facts["res74_247_yes"]["value"], facts["res74_247_no"]["value"], facts["res74_247_abstain"]["value"])


def test_recorded_texts_sit_after_the_last_session_begun_by_their_date():
    """By hand from configs/scenario/ahc_cybercrime.yaml: s1 2022-02-28 ... s5 2023-04-11, s6 2023-08-21,
    concluding 2024-01-29, resumed 2024-07-29."""
    from sim.record import on_sessions

    starts = ["2022-02-28", "2022-05-30", "2022-08-29", "2023-01-09", "2023-04-11", "2023-08-21", "2024-01-29",
              "2024-07-29"]
    scope = on_sessions(starts)["scope"]
    xs = {label: x for x, _, label in scope}
    assert xs["Russian draft convention (2021)"] == 0           # before the first session
    assert xs["zero draft (June 2023)"] == 5                    # after the fifth session (April 2023)
    assert xs["revised draft (Nov 2023)"] == 6                  # after the sixth (August 2023)
    assert xs["draft before the concluding session"] == 6       # dated on the concluding session's first day
    assert xs["final text (Aug 2024)"] == 8                     # after the reconvened session (July 2024)
    assert all(0 <= p <= 100 for _, p, _ in scope)


def test_on_sessions_leaves_out_unknowns_and_accepts_the_shipped_file_name():
    from sim.record import load_record, on_sessions

    points = on_sessions(["2022-01-01"], "ahc_record.csv")
    coded = {r["provision"] for r in load_record() if r["position"] is not None and r["text"] in record.DRAFTS}
    assert set(points) == coded
