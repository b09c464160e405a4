import KubeJSON
