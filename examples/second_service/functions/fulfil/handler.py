"""Runs every minute: would pick up paid orders and hand them to the warehouse."""

import json


def handler(event, context):
    print(json.dumps({"fulfilled": 0, "trigger": event.get("source", "manual")}))
    return {"fulfilled": 0}
