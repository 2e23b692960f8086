"""Selection: determinism, order independence, allocation, manifest and verify."""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import sampling
from sampling import _hashing
from sampling._allocate import allocate


def _frame(size=600, units=("A", "B", "C"), shares=(0.5, 0.3, 0.2)):
    counts = np.floor(np.asarray(shares) * size).astype(int)
    counts[0] += size - counts.sum()
    return pd.DataFrame(
        {
            "arende_id": [f"Ä-{i:05d}" for i in range(size)],
            "enhet": np.repeat(units, counts),
            "handlaggare": [f"h{i % 7}" for i in range(size)],
        }
    )


def _reference_hash(text):
    """The documented hash, written out with Python integers."""
    mask = 2**64 - 1

    def fmix(h):
        h ^= h >> 33
        h = (h * 0xFF51AFD7ED558CCD) & mask
        h ^= h >> 33
        h = (h * 0xC4CEB9FE1A85EC53) & mask
        return h ^ (h >> 33)

    data = text.encode()
    h = 0x9E3779B97F4A7C15
    for start in range(0, len(data), 8):
        h = fmix(h ^ int.from_bytes(data[start : start + 8].ljust(8, b"\0"), "little"))
    return fmix(h ^ ((len(data) + 0x9E3779B97F4A7C15) & mask))


@pytest.mark.parametrize("lengths", ["equal", "mixed"])
def test_hash_matches_the_documented_definition(lengths):
    texts = ["ÄR-001", "ÄR-002", "x", "", "ett mycket långt ärende-id 12345"]
    texts = texts[:2] if lengths == "equal" else texts
    got = _hashing.text_hashes(_hashing.id_texts(pd.Series(texts), "id"))
    assert [int(h) for h in got] == [_reference_hash(t) for t in texts]


def test_pinned_draw_is_the_same_on_every_machine():
    """Pinned output: changing the hash or the draw would break every stored manifest."""
    frame = pd.DataFrame({"id": [f"ÄR-{i:03d}" for i in range(20)]})
    first = sampling.select(frame, 3, seed=2026, id_column="id")
    again = sampling.select(frame.iloc[::-1], 3, seed=2026, id_column="id")
    assert first.ids == again.ids
    keys = {f"ÄR-{i:03d}": _reference_hash(f"ÄR-{i:03d}") for i in range(20)}
    seed_key = int(_hashing.seed_key(2026, "sampling.select"))
    reference = sorted(keys, key=lambda i: int(_hashing.fmix64(np.uint64([keys[i] ^ seed_key]))[0]))
    assert first.ids == reference[:3]


def test_same_seed_any_row_order_same_ids():
    frame = _frame()
    first = sampling.select(frame, 40, seed=11, id_column="arende_id", strata="enhet")
    shuffled = frame.sample(frac=1, random_state=5).reset_index(drop=True)
    second = sampling.select(shuffled, 40, seed=11, id_column="arende_id", strata="enhet")
    assert first.ids == second.ids
    assert first.manifest["fingerprint"] == second.manifest["fingerprint"]


def test_different_seeds_give_different_samples():
    frame = _frame()
    a = sampling.select(frame, 40, seed=1, id_column="arende_id").ids
    b = sampling.select(frame, 40, seed=2, id_column="arende_id").ids
    assert set(a) != set(b)


def test_integer_ids_are_drawn_as_their_text():
    frame = pd.DataFrame({"id": range(100)})
    as_int = sampling.select(frame, 10, seed=3, id_column="id")
    as_text = sampling.select(frame.astype({"id": str}), 10, seed=3, id_column="id")
    assert as_int.ids == as_text.ids


def test_frame_columns_and_weights():
    frame = _frame()
    result = sampling.select(frame, 60, seed=4, id_column="arende_id", strata="enhet")
    assert list(result.frame.columns) == [*frame.columns, "stratum", "inclusion_probability", "weight"]
    assert (result.frame["stratum"] == result.frame["enhet"]).all()
    assert result.frame["weight"].sum() == pytest.approx(len(frame))
    assert np.allclose(result.frame["weight"] * result.frame["inclusion_probability"], 1)
    sizes = result.frame.groupby("stratum").size().to_dict()
    assert sizes == {"A": 30, "B": 18, "C": 12}
    assert result.frame["arende_id"].is_unique


def test_strata_from_several_columns():
    result = sampling.select(
        _frame(), 42, seed=4, id_column="arende_id", strata=["enhet", "handlaggare"], minimum=2
    )
    counts = result.frame.groupby("stratum").size()
    assert len(counts) == 21 and (counts >= 2).all()
    assert "A / h0" in counts.index


def test_equal_allocation_caps_at_stratum_size():
    assert allocate(["a", "b", "c"], [3, 50, 50], 30, allocation="equal") == [3, 14, 13]


def test_proportional_allocation_uses_largest_remainder():
    # shares 3.33.., 3.33.., 3.33.. of 10: one stratum gets the extra unit, the first label
    assert allocate(["x", "y", "z"], [100, 100, 100], 10) == [4, 3, 3]
    assert allocate(["a", "b"], [75, 25], 10) == [8, 2]  # 7.5 / 2.5 -> 8 / 2 (larger remainder first)


def test_minimum_per_stratum():
    sizes = allocate(["a", "b", "c"], [1000, 10, 1], 20, minimum=2)
    assert sizes == [17, 2, 1]


def test_neyman_allocation_follows_n_times_s():
    sizes = allocate(["a", "b"], [1000, 1000], 100, allocation="neyman", neyman={"a": 0.5, "b": 0.1})
    # S = 0.5 and 0.3: shares 62.5 / 37.5
    assert sizes in ([63, 37], [62, 38]) and sum(sizes) == 100
    sd = allocate(
        ["a", "b"], [1000, 1000], 100, allocation="neyman", neyman={"a": 3.0, "b": 1.0}, neyman_kind="sd"
    )
    assert sd == [75, 25]


def test_neyman_needs_a_value_for_every_stratum():
    with pytest.raises(sampling.SamplingError, match="värde saknas för stratum C"):
        sampling.select(
            _frame(),
            30,
            seed=1,
            id_column="arende_id",
            strata="enhet",
            allocation="neyman",
            neyman={"A": 0.1, "B": 0.2},
        )


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(1, 60), min_size=1, max_size=8),
    st.integers(0, 3),
    st.sampled_from(["proportional", "equal", "neyman"]),
    st.data(),
)
def test_allocation_adds_up_and_respects_bounds(sizes, minimum, allocation, data):
    labels = [f"s{i}" for i in range(len(sizes))]
    lower = sum(min(minimum, s) for s in sizes)
    n = data.draw(st.integers(max(lower, 1), sum(sizes)))
    rates = {label: data.draw(st.floats(0.01, 0.5)) for label in labels}
    result = allocate(labels, sizes, n, allocation=allocation, minimum=minimum, neyman=rates)
    assert sum(result) == n
    assert all(min(minimum, s) <= r <= s for r, s in zip(result, sizes, strict=True))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 120), st.integers(0, 2**32), st.sampled_from(["random", "systematic"]))
def test_inclusion_probabilities_over_the_frame_sum_to_n(n, seed, method):
    result = sampling.select(_frame(300), n, seed=seed, id_column="arende_id", strata="enhet", method=method)
    assert len(result.frame) == n
    drawn_strata = sum(s["N"] for s in result.manifest["strata"] if s["n"])
    assert result.frame["weight"].sum() == pytest.approx(drawn_strata)
    population_total = sum(s["N"] * s["inclusion_probability"] for s in result.manifest["strata"])
    assert population_total == pytest.approx(n)


@pytest.mark.slow
def test_every_case_is_equally_likely():
    """Over many seeds each id is drawn about n/N of the time (chi-square goodness of fit)."""
    frame = pd.DataFrame({"id": [f"ÄR-{i:04d}" for i in range(40)]})
    counts = pd.Series(0, index=frame["id"])
    seeds = 1000
    for seed in range(seeds):
        counts[sampling.select(frame, 8, seed=seed, id_column="id").ids] += 1
    expected = seeds * 8 / 40
    statistic = ((counts - expected) ** 2 / expected).sum()
    assert stats.chi2.sf(statistic, df=39) > 0.001


def test_systematic_spreads_evenly_over_the_hash_order():
    frame = _frame(1000, units=("A",), shares=(1.0,))
    result = sampling.select(frame, 10, seed=9, id_column="arende_id", method="systematic")
    keys = _hashing.keyed(
        _hashing.text_hashes(_hashing.id_texts(frame["arende_id"], "id")),
        _hashing.seed_key(9, "sampling.select"),
    )
    rank = pd.Series(np.argsort(np.argsort(keys)), index=frame["arende_id"])
    positions = np.sort(rank[result.ids].to_numpy())
    assert set(np.diff(positions)) == {100}
    assert result.manifest["method"] == "systematic"


def test_manifest_is_json_and_complete():
    result = sampling.select(_frame(), 30, seed="ivo-2026", id_column="arende_id", strata="enhet", minimum=2)
    manifest = json.loads(json.dumps(result.manifest))
    assert manifest["seed"] == "ivo-2026"
    assert manifest["version"] == sampling.__version__
    assert manifest["created_utc"].endswith("Z")
    assert manifest["design"] == {
        "id_column": "arende_id",
        "strata": ["enhet"],
        "allocation": "proportional",
        "minimum": 2,
        "neyman": None,
        "neyman_kind": "rate",
    }
    assert [(s["stratum"], s["N"], s["n"]) for s in manifest["strata"]] == [
        ("A", 300, 15),
        ("B", 180, 9),
        ("C", 120, 6),
    ]
    assert manifest["selected_ids"] == result.ids == result.frame["arende_id"].tolist()
    assert sampling.verify(manifest, _frame())


def test_fingerprint_changes_with_strata_but_not_with_order():
    frame = _frame()
    base = sampling.select(frame, 10, seed=1, id_column="arende_id", strata="enhet").manifest
    moved = frame.copy()
    moved.loc[0, "enhet"] = "B"
    changed = sampling.select(moved, 10, seed=1, id_column="arende_id", strata="enhet").manifest
    assert base["fingerprint"] != changed["fingerprint"]


def test_verify_names_what_changed():
    frame = _frame()
    result = sampling.select(frame, 30, seed=8, id_column="arende_id", strata="enhet")
    selected = result.ids
    changed = frame[frame["arende_id"] != selected[0]].copy()
    changed.loc[changed["arende_id"] == selected[-1], "enhet"] = "A"
    changed = pd.concat([changed, pd.DataFrame({"arende_id": ["NY-1", "NY-2", "NY-3"], "enhet": "B"})])
    with pytest.raises(sampling.VerificationError) as caught:
        sampling.verify(result.manifest, changed)
    message = str(caught.value)
    assert f"1 ärenden i urvalet finns inte längre i ramen: {selected[0]}" in message
    assert f"Stratum ändrat för 1 ärenden i urvalet: {selected[-1]} (C -> A)" in message
    assert "Stratum B: 3 ärenden har tillkommit sedan urvalet (180 -> 183)" in message
    assert caught.value.changes["removed"] == [selected[0]]
    assert caught.value.changes["moved"] == {selected[-1]: ("C", "A")}


def test_verify_detects_a_tampered_manifest():
    frame = _frame()
    manifest = sampling.select(frame, 10, seed=8, id_column="arende_id").manifest
    manifest["seed"] = 9
    with pytest.raises(sampling.VerificationError, match="Ramen är densamma"):
        sampling.verify(manifest, frame)


def test_verify_reports_unusable_input():
    frame = _frame()
    manifest = sampling.select(frame, 10, seed=8, id_column="arende_id").manifest
    with pytest.raises(sampling.VerificationError, match="saknar kolumnen arende_id"):
        sampling.verify(manifest, frame.drop(columns="arende_id"))
    incomplete = {k: v for k, v in manifest.items() if k != "seed"}
    with pytest.raises(sampling.VerificationError, match="seed saknas"):
        sampling.verify(incomplete, frame)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda f: pd.concat([f, f.head(2)]), "förekommer flera gånger: Ä-00000, Ä-00001"),
        (lambda f: f.assign(enhet=f["enhet"].where(f.index != 3)), "tomma värden"),
        (lambda f: f.assign(stratum=1), "har redan kolumnen stratum"),
        (lambda f: f.head(0), "inga ärenden"),
    ],
)
def test_bad_frames_raise_swedish_errors(change, fragment):
    with pytest.raises(sampling.SamplingError, match=fragment):
        sampling.select(change(_frame()), 5, seed=1, id_column="arende_id", strata="enhet")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"n": 601}, "större än ramen"),
        ({"n": 0}, "positivt heltal"),
        ({"n": 4, "minimum": 2}, "kräver 6 ärenden"),
        ({"n": 5, "seed": -1}, "negativt"),
        ({"n": 5, "method": "cluster"}, "Okänd urvalsmetod"),
        ({"n": 5, "allocation": "optimal"}, "Okänd fördelning"),
    ],
)
def test_bad_designs_raise_swedish_errors(kwargs, fragment):
    arguments = {"seed": 1, **kwargs}
    with pytest.raises(sampling.SamplingError, match=fragment):
        sampling.select(_frame(), id_column="arende_id", strata="enhet", **arguments)


def test_verify_tells_a_changed_frame_even_when_the_ids_reproduce():
    frame = _frame()
    result = sampling.select(frame, 10, seed=8, id_column="arende_id", strata="enhet")
    unchanged = sampling.verify(result.manifest, frame)
    assert unchanged and not unchanged.frame_changed and unchanged.changes == ()
    spare = frame.loc[(frame["enhet"] == "A") & ~frame["arende_id"].isin(result.ids), "arende_id"].iloc[0]
    verification = sampling.verify(result.manifest, frame[frame["arende_id"] != spare])
    assert verification and verification.frame_changed
    assert verification.changes == ("Stratum A: 1 ärenden har tagits bort sedan urvalet (300 -> 299).",)
