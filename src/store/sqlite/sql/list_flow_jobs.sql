SELECT * FROM errand_jobs WHERE flow_id = @flow_id ORDER BY id;
