"""Pure Metro 2 formatting: no Django imports. Filled by the credit reporting issue."""
