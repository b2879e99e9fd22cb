"""POST /orders: the sample service's write path (validates and echoes the order)."""

import json
import uuid


def handler(event, context):
    try:
        order = json.loads(event.get("body") or "{}")
    except json.JSONDecodeError:
        return {"statusCode": 400, "body": json.dumps({"error": "body must be JSON"})}
    if not isinstance(order, dict) or not order.get("item"):
        return {"statusCode": 400, "body": json.dumps({"error": "field 'item' is required"})}
    return {"statusCode": 201, "headers": {"content-type": "application/json"},
            "body": json.dumps({"orderId": str(uuid.uuid4()), "item": order["item"]})}
