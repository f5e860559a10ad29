

def test_a_note_id_carries_the_first_words_and_stops_at_a_whole_word():
    from screens.note_form import attached_id

    assert attached_id("cut-churn", "2026-05-15", "Churn is up in SMB", "note", set()) == \
        "cut-churn-2026-05-15-churn-is-up-in-smb"
    long = attached_id("grow-smb-pipeline", "2026-05-15",
                       "Pipeline is thin in EMEA because the webinar moved", "note", set())
    assert len(long) <= 56
    assert long == "grow-smb-pipeline-2026-05-15-pipeline-is-thin-in-emea"
    assert attached_id("cut-churn", "2026-05-15", "   ", "note",
                       {"cut-churn-2026-05-15"}) == "cut-churn-2026-05-15-2"
