def summarize_orders(records, currency="USD", min_total=0.0, include_refunds=False):
    """Group orders by customer and return per-customer totals, counts and the largest order.

    Each record is a dict with the keys "customer", "amount", "currency" and "status".
    Records in another currency, refunded records (unless include_refunds is set) and
    customers whose total stays below min_total are left out of the result.
    """
    totals = {}
    counts = {}
    largest = {}
    for record in records:
        if record.get("currency", currency) != currency:
            continue
        status = record.get("status", "paid")
        if status == "refunded" and not include_refunds:
            continue
        customer = record["customer"].strip().lower()
        amount = float(record["amount"])
        if status == "refunded":
            amount = -amount
        totals[customer] = totals.get(customer, 0.0) + amount
        counts[customer] = counts.get(customer, 0) + 1
        if amount > largest.get(customer, float("-inf")):
            largest[customer] = amount
    result = []
    for customer in sorted(totals):
        total = round(totals[customer], 2)
        if total < min_total:
            continue
        result.append({
            "customer": customer,
            "total": total,
            "orders": counts[customer],
            "largest": round(largest[customer], 2),
            "average": round(total / counts[customer], 2),
        })
    result.sort(key=lambda row: (-row["total"], row["customer"]))
    return result
