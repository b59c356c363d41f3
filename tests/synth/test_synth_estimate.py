from __future__ import annotations

import json

import pytest

from bulletins.synth import Speaker
from bulletins.synth.estimate import GTTS_DEFAULT, RateModel, split_sentences

# Typical news paragraphs in spoken form, none of them from the calibration text.
PARAGRAPHS = [
    "Chiều ngày mười hai tháng ba, tại thôn Plei Ơi, Ủy ban nhân dân xã đã tổ chức buổi đối "
    "thoại với bà con về công tác bồi thường, giải phóng mặt bằng. Tham dự có hơn một trăm hộ "
    "dân có đất bị ảnh hưởng bởi dự án đường liên xã. Tại buổi đối thoại, bà con đã nêu nhiều "
    "ý kiến về giá bồi thường và thời gian chi trả. Lãnh đạo xã đã giải đáp cụ thể từng ý kiến, "
    "đồng thời cam kết chi trả đúng tiến độ.",
    "Thực hiện kế hoạch của huyện, từ nay đến cuối tháng, xã tiếp tục ra quân tiêm phòng lở mồm "
    "long móng cho đàn gia súc. Các hộ chăn nuôi cần nhốt giữ trâu, bò tại chuồng vào buổi sáng "
    "để cán bộ thú y tiêm phòng. Những hộ không chấp hành sẽ phải tự chịu trách nhiệm khi dịch "
    "bệnh xảy ra.",
    "Ngân hàng chính sách xã hội huyện thông báo: các hộ nghèo, hộ cận nghèo và hộ mới thoát "
    "nghèo có nhu cầu vay vốn sản xuất, kinh doanh, xin liên hệ tổ tiết kiệm và vay vốn tại "
    "thôn. Mức vay tối đa là một trăm triệu đồng mỗi hộ, thời hạn vay đến năm năm, lãi suất ưu "
    "đãi. Hồ sơ gồm đơn đề nghị vay vốn, giấy xác nhận của Ủy ban nhân dân xã và bản sao căn "
    "cước công dân.",
    "Mùa khô năm nay đến sớm. Nhiều diện tích cây trồng đang thiếu nước tưới. Phòng nông nghiệp "
    "huyện khuyến cáo bà con sử dụng nước tiết kiệm, ưu tiên tưới cho cây cà phê và hồ tiêu "
    "trong giai đoạn ra hoa. Không tự ý đắp đập, ngăn dòng chảy, gây ảnh hưởng đến các hộ ở "
    "phía hạ lưu.",
    "Sáng nay, tại nhà văn hóa thôn Bông Hoa, Chi hội Chữ thập đỏ xã đã phối hợp với bệnh viện "
    "huyện khám bệnh, cấp thuốc miễn phí cho gần ba trăm người cao tuổi và trẻ em. Các bác sĩ "
    "còn tư vấn cách phòng bệnh sốt xuất huyết trong mùa mưa. Bà con cần dọn dẹp vật chứa nước "
    "quanh nhà, ngủ màn kể cả ban ngày!",
]


@pytest.mark.parametrize("voice", ["vi", "vi-VN-x-central", "vi-VN-x-south"])
def test_espeak_estimate_within_ten_percent(configure, station, voice):
    speaker = Speaker(configure(espeak_voice=voice), station, engine="espeak")
    errors = []
    for text in PARAGRAPHS:
        estimate = speaker.estimate_ms(text)
        measured = speaker.speak(split_sentences(text)).clip.duration_ms
        errors.append((estimate - measured) / measured)
    assert max(abs(e) for e in errors) < 0.10, [round(e * 100, 1) for e in errors]


def test_estimate_tracks_rate(configure, station):
    slow = Speaker(configure(espeak_rate_wpm=130), station, engine="espeak")
    fast = Speaker(configure(espeak_rate_wpm=200), station, engine="espeak")
    assert fast.estimate_ms(PARAGRAPHS[0]) < 0.8 * slow.estimate_ms(PARAGRAPHS[0])


def test_calibration_is_stored_and_reused(settings, station, monkeypatch):
    Speaker(settings, station, engine="espeak").estimate_ms(PARAGRAPHS[0])
    data = json.loads((settings.cache_dir / "calibration.json").read_text(encoding="utf-8"))
    (key,) = data["models"]
    assert key.startswith("espeak|vi|wpm=150;")
    model = data["models"][key]
    assert model["source"] == "calibrated" and model["n"] > 20
    assert 150 < model["ms_per_syllable"] < 400

    # Another process (no in-memory store) reads the file instead of calibrating again.
    from bulletins.synth import estimate

    monkeypatch.setattr(estimate.CalibrationStore, "_instances", {})
    monkeypatch.setattr(RateModel, "measure", classmethod(lambda cls, f: pytest.fail("re-ran")))
    assert Speaker(settings, station, engine="espeak").estimate_ms(PARAGRAPHS[0]) > 0


def test_corrupt_calibration_file_is_recalibrated(settings, station):
    path = settings.cache_dir / "calibration.json"
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    assert Speaker(settings, station, engine="espeak").estimate_ms(PARAGRAPHS[1]) > 5000
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 1


def test_real_syntheses_are_learned(calibrated, station):
    speaker = Speaker(calibrated, station, engine="espeak")
    model = speaker.rate_model()
    before = model.n
    speaker.speak(split_sentences(PARAGRAPHS[2]))
    assert model.n == before + 3
    speaker.speak(split_sentences(PARAGRAPHS[2]))  # cache hits teach nothing new
    assert model.n == before + 3


def test_gtts_starts_from_documented_default(settings, station):
    model = Speaker(settings, station, engine="gtts").rate_model()
    assert model.source == "default" and model.n == 0
    assert [round(c) for c in model.coef] == [round(c) for c in GTTS_DEFAULT]


def test_estimate_of_nothing_is_zero(settings, station):
    assert Speaker(settings, station, engine="espeak").estimate_ms(" … ") == 0


def test_estimate_adds_sentence_pauses(calibrated, station):
    speaker = Speaker(calibrated, station, engine="espeak")
    one, two = "Kính thưa bà con.", "Sau đây là bản tin."
    pause = calibrated.audio.sentence_pause_ms
    together = speaker.estimate_ms(f"{one} {two}")
    assert abs(together - (speaker.estimate_ms(one) + speaker.estimate_ms(two) + pause)) <= 1


@pytest.mark.parametrize("voice", ["vi", "vi-VN-x-central", "vi-VN-x-south"])
def test_shipped_espeak_calibration_is_what_calibrating_measures(voice):
    from bulletins.synth.base import trim_silence
    from bulletins.synth.espeak import EspeakEngine
    from bulletins.synth.estimate import shipped_model

    engine = EspeakEngine(voice, 150)
    shipped = shipped_model(f"{engine.name}|{engine.voice}|{engine.params}")
    if shipped is None:
        pytest.skip("no calibration shipped for this espeakng-loader version")
    measured = RateModel.measure(lambda s: trim_silence(engine.synthesize(s)).duration_ms)
    # espeak-ng keeps a little state between calls, so figures agree closely, not exactly.
    for sentence in split_sentences(" ".join(PARAGRAPHS)):
        want = measured.sentence_ms(sentence)
        assert shipped.sentence_ms(sentence) == pytest.approx(want, rel=0.005, abs=5)
