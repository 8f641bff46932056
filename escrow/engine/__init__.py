"""Pure escrow math (RESPA analysis): no Django imports. Filled by the escrow issue."""
