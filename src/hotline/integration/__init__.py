"""Out of the building: the platform's links with other systems.

- ``webhooks``: subscriptions of departments and outside systems, signed deliveries through
  the outbox, the delivery log, and the pull feed over the same events;
- ``linkage``: hand-over of appeals to the 110/119/120/122 emergency lines and the utilities'
  service lines;
- ``merchants``: the register of vetted service merchants, referrals, evaluation and dynamic
  adjustment;
- ``federation``: peering with another hotline platform for cross-city transfer.

Each reaches the work order only through ``hotline.workorder.service`` and the order's audit
events (docs/architecture: "Growing the house")."""
