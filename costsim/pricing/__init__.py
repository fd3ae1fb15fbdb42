"""Rating: catalogs, billing models and tiers turn meters into a CostBreakdown (Decimal)."""
