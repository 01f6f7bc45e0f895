"""todo: a to-do list kept in a JSON file.

    todo.py add "buy milk"
    todo.py done 1
    todo.py list [--all]
"""
import argparse
import json
import os
import sys

DEFAULT_FILE = os.path.expanduser("~/.todo.json")


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return []


def save(path, items):
    with open(path, "w") as f:
        json.dump(items, f, indent=1)


def main(argv=None, out=sys.stdout):
    parser = argparse.ArgumentParser(prog="todo")
    parser.add_argument("--file", default=DEFAULT_FILE, help="the list (default ~/.todo.json)")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add an item")
    add.add_argument("text")
    done = sub.add_parser("done", help="mark item NUMBER as finished")
    done.add_argument("number", type=int)
    ls = sub.add_parser("list", help="show the unfinished items")
    ls.add_argument("--all", action="store_true", help="show finished items too")
    args = parser.parse_args(argv)

    items = load(args.file)
    if args.command == "add":
        items.append({"text": args.text, "done": False})
        save(args.file, items)
    elif args.command == "done":
        if not 1 <= args.number <= len(items):
            parser.error(f"there is no item {args.number}")
        items[args.number - 1]["done"] = True
        save(args.file, items)
    else:
        for i, item in enumerate(items, 1):
            if args.all or not item["done"]:
                mark = "x" if item["done"] else " "
                print(f"{i}. [{mark}] {item['text']}", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
