"""Names the files a monthly report export writes."""
import os


def stem(filename):
    """The file's name without its directory and its .csv extension."""
    name = os.path.basename(filename)
    if name.endswith(".csv"):
        name = name[:-len(".csv")]
    return name


def export_name(filename, month):
    """'data/metrics.csv', '2024-05' -> 'metrics-2024-05.csv'"""
    return f"{stem(filename)}-{month}.csv"


def export_names(filenames, month):
    return sorted(export_name(f, month) for f in filenames)
