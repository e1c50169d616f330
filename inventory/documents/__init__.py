"""Documents the inventory app prints or sends: purchase orders as PDF."""
