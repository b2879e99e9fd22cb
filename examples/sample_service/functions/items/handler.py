"""GET /items: the sample service's read path."""

import json

ITEMS = [{"id": "1", "name": "anchor"}, {"id": "2", "name": "buoy"}]


def handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(ITEMS)}
