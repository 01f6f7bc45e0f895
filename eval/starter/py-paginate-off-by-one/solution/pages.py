"""Splitting search results into pages for the web view."""


def page_count(total, per_page):
    """How many pages `total` items fill; an empty result still has one page."""
    return max(1, -(-total // per_page))


def paginate(items, page, per_page=10):
    """The items on `page` (counted from 1), and the number of pages."""
    pages = page_count(len(items), per_page)
    if not 1 <= page <= pages:
        raise ValueError(f"page {page} is not in 1..{pages}")
    start = (page - 1) * per_page
    return items[start:start + per_page], pages
