"""Notes with tags, and a notebook to find them by tag."""


class Note:
    def __init__(self, title, body="", tags=[]):
        self.title = title
        self.body = body
        self.tags = tags

    def tag(self, *names):
        for name in names:
            if name not in self.tags:
                self.tags.append(name)

    def __repr__(self):
        return f"Note({self.title!r}, tags={self.tags!r})"


class Notebook:
    def __init__(self):
        self.notes = []

    def add(self, note):
        self.notes.append(note)
        return note

    def tagged(self, name):
        return [note.title for note in self.notes if name in note.tags]
