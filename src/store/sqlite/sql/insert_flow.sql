INSERT INTO errand_flows (created_at) VALUES (@now) RETURNING id, created_at;
