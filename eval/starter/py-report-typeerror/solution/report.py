"""The end-of-day order report the shop emails out."""


def format_cents(cents):
    """1999 -> '19.99'"""
    return f"{cents // 100}.{cents % 100:02d}"


def order_total(order):
    return order["qty"] * order["price_cents"]


def summary(orders):
    """'N items in M orders, total X.YZ'"""
    items = sum(o["qty"] for o in orders)
    total = sum(order_total(o) for o in orders)
    return str(items) + " items in " + str(len(orders)) + " orders, total " + format_cents(total)


def biggest(orders):
    return max(orders, key=order_total)["id"] if orders else None
