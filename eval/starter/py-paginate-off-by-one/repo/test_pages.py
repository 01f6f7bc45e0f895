import unittest

from pages import page_count, paginate


class PaginateTest(unittest.TestCase):
    items = [f"result {i}" for i in range(1, 26)]

    def test_page_count(self):
        self.assertEqual(page_count(0, 10), 1)
        self.assertEqual(page_count(10, 10), 1)
        self.assertEqual(page_count(25, 10), 3)

    def test_first_page(self):
        shown, pages = paginate(self.items, 1)
        self.assertEqual(shown[0], "result 1")
        self.assertEqual(len(shown), 10)
        self.assertEqual(pages, 3)

    def test_last_page_is_short(self):
        shown, _ = paginate(self.items, 3)
        self.assertEqual(shown, ["result 21", "result 22", "result 23", "result 24", "result 25"])

    def test_per_page(self):
        shown, pages = paginate(self.items, 2, per_page=20)
        self.assertEqual(shown, self.items[20:])
        self.assertEqual(pages, 2)

    def test_out_of_range(self):
        with self.assertRaises(ValueError):
            paginate(self.items, 0)
        with self.assertRaises(ValueError):
            paginate(self.items, 4)


if __name__ == "__main__":
    unittest.main()
