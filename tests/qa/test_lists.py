"""qa.lists: a lead-in whose list the source lost, told apart from one whose list is there."""

from qa.lists import missing_list

LOST = "Side effects include:\nThe next paragraph is about something else.\n"
KEPT = "Side effects include:\n- fatigue\n- rash\n"


def test_a_lead_in_followed_by_prose_has_lost_its_list() -> None:
    assert missing_list(LOST, 0, len(LOST))


def test_a_lead_in_followed_by_items_has_its_list() -> None:
    assert not missing_list(KEPT, 0, len(KEPT))


def test_a_colon_inside_a_line_is_no_lead_in() -> None:
    text = "Note: this is a sentence.\nAnother one.\n"
    assert not missing_list(text, 0, len(text))


def test_only_the_passage_s_own_lines_count() -> None:
    assert not missing_list(LOST, 22, len(LOST))
