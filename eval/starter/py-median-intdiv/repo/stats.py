"""Summary statistics for the response-time dashboard."""
import math


def mean(xs):
    if not xs:
        raise ValueError("mean of no values")
    return sum(xs) / len(xs)


def median(xs):
    if not xs:
        raise ValueError("median of no values")
    xs = sorted(xs)
    mid = len(xs) / 2
    if len(xs) % 2:
        return xs[mid]
    return (xs[mid - 1] + xs[mid]) / 2


def percentile(xs, p):
    """The nearest-rank percentile; p is in 0..100."""
    if not xs:
        raise ValueError("percentile of no values")
    rank = max(1, math.ceil(p / 100 * len(xs)))
    return sorted(xs)[rank - 1]
