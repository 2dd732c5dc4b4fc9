"""Service merchants (社会化服务企业, S1 §2, §8): a register of vetted companies the hotline refers
citizens to, their evaluation from callbacks and complaints, and the dynamic adjustment
(warning, suspension, removal, readmission) — the rule proposes, a person decides."""
