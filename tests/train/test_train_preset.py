"""Presets: a value of the wrong type is refused, naming the field and file, before any run
folder exists (it used to surface as a TypeError deep in self-play)."""

import pytest

from dosaku.train.alphago.config import SLConfig, load_config as load_alphago
from dosaku.train.zero.config import load_config as load_zero
from dosaku.train.zero.loop import run_zero


def test_a_value_of_the_wrong_type_names_its_field_and_file(tmp_path):
    preset = tmp_path / "bad.toml"
    preset.write_text('visits = "many"\n')
    with pytest.raises(ValueError, match=r"ZeroConfig field visits = 'many' in .*bad.toml: "
                                         r"expected int"):
        load_zero(preset)
    with pytest.raises(ValueError, match="field tidy_pass = 1: expected bool"):
        load_zero(tidy_pass=1)
    with pytest.raises(ValueError, match="field generations = True: expected int"):
        load_zero(generations=True)
    with pytest.raises(ValueError, match="field games = 'a.sgf': expected a list of strings"):
        load_alphago(SLConfig, games="a.sgf")
    with pytest.raises(ValueError, match="field visits"):
        run_zero(load_zero(preset), tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_good_values_keep_their_meaning():
    assert load_zero(learning_rate=1).learning_rate == 1  # an int is a valid float
    assert load_zero(tidy_pass=False).tidy_pass is False
    assert load_alphago(SLConfig, games=["x", "y"]).games == ("x", "y")
