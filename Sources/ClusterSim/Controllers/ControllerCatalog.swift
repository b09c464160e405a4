/// The controllers of the simulated cluster. Each lives in its own file; add new ones here.
enum ControllerCatalog {
    static let all: [any Controller.Type] = [
        NodeLifecycle.self,
        KubeletSimulation.self,
        Scheduler.self,
        StatefulSetController.self,
        DaemonSetController.self,
        JobController.self,
        CronJobController.self,
        EndpointsController.self,
        EndpointSliceController.self,
        ServiceAccountController.self,
        RootCAPublisher.self,
        PersistentVolumeController.self,
        DisruptionController.self,
        HorizontalPodAutoscalerController.self,
        ReplicaSetController.self,
        DeploymentController.self,
        GarbageCollector.self,
        NamespaceController.self,
    ]
}
