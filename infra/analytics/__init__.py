"""SQL over the whole history: DynamoDB exports to S3 read by Athena, and the same views on DuckDB locally."""
