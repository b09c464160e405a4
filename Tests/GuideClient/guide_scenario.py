"""Drives the integration guide's K8sSimulatorClient against a running simulator, the way ECP-AI's backend uses
it: deploy a tenant in demo mode, poll the deployment status as the sync service does, read the monitoring data
the WebSocket handler forwards, and the troubleshooting calls. Prints one JSON line with what it read; exits
non-zero when a call fails or a field the guide's code reads is missing."""
import asyncio
import json
import sys

from k8s_simulator_client import K8sSimulatorClient

MANIFEST = """apiVersion: v1
kind: Namespace
metadata:
  name: ecp-ai-tenant-123
---
apiVersion: v1
kind: Pod
metadata:
  name: callbot-pod
spec:
  containers:
  - name: callbot
    image: ecp-ai/callbot:1.0
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: chatbot
  namespace: ecp-ai-tenant-123
spec:
  replicas: 2
  selector:
    matchLabels: {app: chatbot}
  template:
    metadata:
      labels: {app: chatbot}
    spec:
      containers:
      - name: chatbot
        image: ecp-ai/chatbot:1.0
        resources:
          requests: {cpu: 250m, memory: 256Mi}
"""


def require(condition, message):
    if not condition:
        print(json.dumps({"ok": False, "error": message}))
        sys.exit(1)


async def main(base_url):
    client = K8sSimulatorClient(base_url=base_url)

    # DemoDeploymentService.deploy_tenant_to_simulator
    deployment_result = await client.deploy_manifest(
        manifest_content=MANIFEST, tenant_id="tenant-123", deployment_mode="demo")
    require(deployment_result.get("deployment_id"), "deploy: no deployment_id")
    require(deployment_result.get("deployed_count", 0) == 3, f"deploy: {deployment_result}")
    require(deployment_result.get("status") == "completed", f"deploy status: {deployment_result.get('status')}")

    # SimulatorSyncService.sync_deployment_status
    status = await client.get_deployment_status("tenant-123")
    require(status.get("status") == "completed", f"resources status: {status}")
    ids = sorted(r["id"] for r in status.get("resources", []))
    require("default/Pod/callbot-pod" in ids and "ecp-ai-tenant-123/Deployment/chatbot" in ids, f"resources: {ids}")

    # get_simulator_status and the WebSocket handler's message
    monitoring = await client.get_monitoring_data("tenant-123")
    require("services" in monitoring and monitoring.get("timestamp"), f"tenant monitoring: {monitoring}")
    message = json.dumps({"type": "monitoring_update", "tenant_id": "tenant-123", "data": monitoring,
                          "timestamp": monitoring.get("timestamp")})
    cluster = await client.get_monitoring_data()
    require("kube-apiserver" in cluster.get("services", {}), "cluster monitoring lacks the control plane")

    # The client's error path: an unknown tenant comes back as {"status": "error", "message": ...}.
    unknown = await client.get_monitoring_data("no-such-tenant")
    require(unknown.get("status") == "error" and unknown.get("message"), f"unknown tenant: {unknown}")

    # Troubleshooting: curl http://localhost:6360/ and /monitoring/health
    root = await client.client.get(f"{base_url}/")
    root.raise_for_status()
    health = await client.client.get(f"{base_url}/monitoring/health")
    health.raise_for_status()
    await client.client.aclose()
    print(json.dumps({"ok": True, "deployment_id": deployment_result["deployment_id"], "resources": ids,
                      "tenant_services": sorted(monitoring["services"]), "message_bytes": len(message),
                      "sla_percentage": cluster["summary"]["sla_percentage"], "service": root.json().get("name")}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
