"""Locust 2.47 peer of benches/scenarios/get.lua: one FastHttpUser class, one task doing one
GET of /, no wait. benches/run runs it with --with-locust (scenarios a, b and d)."""
from locust import FastHttpUser, constant, task


class GetUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get("/")
