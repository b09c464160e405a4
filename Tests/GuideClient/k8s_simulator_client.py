# The ECP-AI integration guide's client, exactly as the guide gives it (section "시뮬레이터 클라이언트 클래스"),
# so the tests exercise the calls ECP-AI really makes.
# backend/integrations/k8s_simulator_client.py
import httpx
import asyncio
import json
from typing import Dict, Any, Optional
import logging

logger = logging.getLogger(__name__)

class K8sSimulatorClient:
    """K8S 시뮬레이터 연동 클라이언트"""
    
    def __init__(self, base_url: str = "http://localhost:6360"):
        self.base_url = base_url
        self.client = httpx.AsyncClient(timeout=30.0)
    
    async def deploy_manifest(
        self, 
        manifest_content: str, 
        tenant_id: str,
        deployment_mode: str = "demo"
    ) -> Dict[str, Any]:
        """매니페스트 배포"""
        try:
            response = await self.client.post(
                f"{self.base_url}/k8s/manifest/deploy",
                json={
                    "manifest": manifest_content,
                    "tenant_id": tenant_id,
                    "deployment_mode": deployment_mode
                }
            )
            response.raise_for_status()
            return response.json()
            
        except httpx.HTTPError as e:
            logger.error(f"Simulator deployment failed: {e}")
            raise Exception(f"시뮬레이터 배포 실패: {str(e)}")
    
    async def get_deployment_status(self, tenant_id: str) -> Dict[str, Any]:
        """배포 상태 조회"""
        try:
            response = await self.client.get(
                f"{self.base_url}/k8s/resources",
                params={"tenant_id": tenant_id}
            )
            response.raise_for_status()
            return response.json()
            
        except httpx.HTTPError as e:
            logger.error(f"Status check failed: {e}")
            return {"status": "error", "message": str(e)}
    
    async def get_monitoring_data(self, tenant_id: Optional[str] = None) -> Dict[str, Any]:
        """모니터링 데이터 조회"""
        try:
            url = f"{self.base_url}/monitoring/health"
            if tenant_id:
                url = f"{self.base_url}/monitoring/tenant/{tenant_id}"
            
            response = await self.client.get(url)
            response.raise_for_status()
            return response.json()
            
        except httpx.HTTPError as e:
            logger.error(f"Monitoring data fetch failed: {e}")
            return {"status": "error", "message": str(e)}
