"""A small stock ledger: quantities per SKU and a reorder threshold."""


class OutOfStock(Exception):
    pass


class Inventory:
    def __init__(self, reorder_level=5):
        self.reorder_level = reorder_level
        self.stock = {}

    def restock(self, sku, qty):
        if qty <= 0:
            raise ValueError("restock quantity must be positive")
        self.stock[sku] = self.stock.get(sku, 0) + qty

    def take(self, sku, qty=1):
        have = self.stock.get(sku, 0)
        if qty > have:
            raise OutOfStock(f"{sku}: want {qty}, have {have}")
        self.stock[sku] = have - qty

    def to_reorder(self):
        """The SKUs whose stock fell below the reorder level, sorted."""
        return sorted(sku for sku, qty in self.stock.items() if qty < self.reorder_level)
