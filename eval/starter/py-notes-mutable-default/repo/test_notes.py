import unittest

from notes import Note, Notebook


class NoteTest(unittest.TestCase):
    def test_tag_once(self):
        note = Note("groceries")
        note.tag("home", "home", "errands")
        self.assertEqual(note.tags, ["home", "errands"])

    def test_new_notes_start_without_tags(self):
        Note("groceries").tag("home")
        self.assertEqual(Note("standup").tags, [])

    def test_given_tags(self):
        self.assertEqual(Note("trip", tags=["travel"]).tags, ["travel"])


class NotebookTest(unittest.TestCase):
    def test_tagged(self):
        book = Notebook()
        book.add(Note("groceries")).tag("home")
        book.add(Note("standup")).tag("work")
        book.add(Note("taxes", tags=["home", "money"]))
        self.assertEqual(book.tagged("home"), ["groceries", "taxes"])
        self.assertEqual(book.tagged("work"), ["standup"])
