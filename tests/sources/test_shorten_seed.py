"""The seed article (the Gia Lai report) cut to 60, 90 and 120 s, then spoken by espeak."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletins.cli import main
from bulletins.db import NewsItem, session_factory
from bulletins.news import NewsQueue
from bulletins.normalize import load_lexicon, normalize, split_sentences
from bulletins.sources.clean import split_written
from bulletins.sources.store import original_body, propose
from bulletins.synth import Speaker

SEED = Path(__file__).parent / "data" / "seed_gialai_ban_tin_10_phut.txt"  # shared/seeds copy


def seed_item(settings) -> int:  # noqa: ANN001
    title, body = SEED.read_text(encoding="utf-8").split("\n", 1)
    return NewsQueue(settings).add({"title": title, "body": body}).id


@pytest.mark.parametrize("seconds", [60, 90, 120])
def test_seed_article_shortened_reads_within_ten_percent(settings, seconds: int) -> None:  # noqa: ANN001
    item_id = seed_item(settings)
    item = NewsQueue(settings).get(item_id)
    proposal = propose(settings, item_id, seconds)
    assert proposal.original_ms > 3 * seconds * 1000  # it really had to be cut
    assert proposal.estimated_ms <= seconds * 1000
    lead = split_written(item.body.split("\n\n")[1].strip())[0]  # after the subheading
    assert proposal.text.startswith(lead)
    # Whole sentences of the original, in the original order.
    flat = " ".join(item.body.split())
    positions = [flat.index(s) for s in (s for p in proposal.text.split("\n\n")
                                         for s in split_written(p))]
    assert positions == sorted(positions)
    # Build the item's audio as the pipeline would: normalized, split, spoken by espeak.
    lexicon = load_lexicon(settings.lexicon_path)
    spoken = normalize(f"{item.title}.\n{proposal.text}", lexicon, settings.normalize).spoken
    clip = Speaker(settings, settings.station(), "espeak").speak(split_sentences(spoken)).clip
    assert abs(clip.duration_ms - seconds * 1000) <= 0.10 * seconds * 1000, clip.duration_ms


def test_cli_prints_the_proposal_alone_and_apply_keeps_the_original(settings, capsys) -> None:  # noqa: ANN001
    item_id = seed_item(settings)
    before = NewsQueue(settings).get(item_id).body
    main(["news", "shorten", str(item_id), "--seconds", "60"])
    cap = capsys.readouterr()
    assert cap.out.startswith("Thực hiện Kết luận số 01-KL/TW")  # stdout: the text only
    assert "rút gọn còn" in cap.err
    assert NewsQueue(settings).get(item_id).body == before  # printing changes nothing
    main(["news", "shorten", str(item_id), "--seconds", "60", "--apply"])
    after = NewsQueue(settings).get(item_id).body
    assert after == cap.out.strip()
    assert original_body(settings, item_id) == before
    # A second cut keeps the first original, not the already shortened text.
    main(["news", "shorten", str(item_id), "--seconds", "30", "--apply"])
    assert original_body(settings, item_id) == before
    with session_factory(settings.db_url)() as s:
        assert s.get(NewsItem, item_id).original_body == before


def test_default_target_is_the_station_max_item_s(home, capsys) -> None:  # noqa: ANN001
    from bulletins.config import load_settings

    (home / "bulletins.toml").write_text(
        '[[stations]]\nid = "ia-hru"\nname = "Ia Hrú"\nmax_item_s = 45\n', encoding="utf-8")
    settings = load_settings(home)
    item_id = seed_item(settings)
    main(["news", "shorten", str(item_id)])
    assert "mục tiêu 45 giây" in capsys.readouterr().err


def test_duplicate_warning_when_adding_the_same_news(settings, capsys) -> None:  # noqa: ANN001
    body = "Từ ngày 25-11, Trạm Y tế xã Ia Hrú tiêm vắc xin sởi cho 1.200 trẻ em tại 4 điểm."
    main(["news", "add", "--title", "Tiêm vắc xin", "--body", body])
    assert "Cảnh báo" not in capsys.readouterr().err
    main(["news", "add", "--title", "Tiêm chủng sởi", "--body", body.replace(",", "")])
    err = capsys.readouterr().err
    assert "gần giống tin số 1 «Tiêm vắc xin»" in err
    assert len(NewsQueue(settings).list()) == 2  # warned, not refused
