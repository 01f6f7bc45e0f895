import io
import os
import tempfile
import unittest

import todo


class TodoTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.file = os.path.join(self.dir.name, "todo.json")
        for text in ("buy milk", "call the plumber", "file taxes"):
            self.todo("add", text)
        self.todo("done", "2")

    def tearDown(self):
        self.dir.cleanup()

    def todo(self, *args):
        out = io.StringIO()
        self.assertEqual(todo.main(["--file", self.file, *args], out=out), 0)
        return out.getvalue()

    def test_list_shows_unfinished(self):
        self.assertEqual(self.todo("list"), "1. [ ] buy milk\n3. [ ] file taxes\n")

    def test_list_all(self):
        self.assertEqual(
            self.todo("list", "--all"),
            "1. [ ] buy milk\n2. [x] call the plumber\n3. [ ] file taxes\n",
        )

    def test_list_done(self):
        self.todo("done", "3")
        self.assertEqual(self.todo("list", "--done"), "2. [x] call the plumber\n3. [x] file taxes\n")


if __name__ == "__main__":
    unittest.main()
